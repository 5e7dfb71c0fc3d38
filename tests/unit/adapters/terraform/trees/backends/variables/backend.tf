terraform {
  backend "s3" {
    bucket = "acme-${var.env}-tfstate"
    key    = local.state_key
    region = var.region
  }
}
