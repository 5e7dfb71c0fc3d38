terraform {
  cloud {
    organization = "acme"

    workspaces {
      name    = "billing-prod"
      project = "billing"
    }
  }
}
