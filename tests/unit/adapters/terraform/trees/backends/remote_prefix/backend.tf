terraform {
  backend "remote" {
    hostname     = "tfe.acme.internal"
    organization = "acme"

    workspaces {
      prefix = "networking-"
    }
  }
}
