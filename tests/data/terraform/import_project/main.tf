# Import-id project: tests/e2e/test_import_ids.py applies it to a moto server, makes objects of
# many types beside it with boto3, and checks that every unmanaged finding's import_id is
# one real `terraform plan` imports. The project itself is one VPC: the provider
# configuration (with an endpoint for every service the hand-made objects use) is what the
# imports need. Keep it small: every resource costs seconds of provider waiters.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  description = "The moto server every AWS API call goes to, e.g. http://127.0.0.1:5000."
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    dynamodb = var.endpoint
    ec2      = var.endpoint
    iam      = var.endpoint
    kms      = var.endpoint
    logs     = var.endpoint
    route53  = var.endpoint
    s3       = var.endpoint
    sns      = var.endpoint
    sqs      = var.endpoint
    sts      = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags = {
    Name = "import-main"
  }
}
