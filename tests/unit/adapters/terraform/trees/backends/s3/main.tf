terraform {
  required_version = ">= 1.5"

  backend "s3" {
    bucket               = "acme-tfstate"
    key                  = "network/terraform.tfstate"
    region               = "eu-west-1"
    workspace_key_prefix = "envs"
    use_lockfile         = true
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
