terraform {
  cloud {
    organization = "acme"

    workspaces {
      tags = ["app", "prod"]
    }
  }
}
