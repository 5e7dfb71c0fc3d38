terraform {
  cloud {
    organization = "acme"

    workspaces {
      project = "billing"
    }
  }
}
