locals {
  project = "acme-prod"
}
