# Breadth project: tests/e2e/test_terraform_oracle_breadth.py applies it to a moto server in
# ONE apply: one or two resources of as many of driftmgr's AWS types as moto and the
# hashicorp/aws provider can create, written the way a careful user writes them (tags,
# default_tags, nested blocks, policies as jsonencode). The types left out are listed, with
# the reason, in NOT_APPLIED of that test.

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
    acm            = var.endpoint
    autoscaling    = var.endpoint
    cloudtrail     = var.endpoint
    cloudwatch     = var.endpoint
    dynamodb       = var.endpoint
    ec2            = var.endpoint
    ecr            = var.endpoint
    ecs            = var.endpoint
    efs            = var.endpoint
    elasticache    = var.endpoint
    elbv2          = var.endpoint
    events         = var.endpoint
    iam            = var.endpoint
    kinesis        = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    logs           = var.endpoint
    rds            = var.endpoint
    route53        = var.endpoint
    s3             = var.endpoint
    secretsmanager = var.endpoint
    sfn            = var.endpoint
    sns            = var.endpoint
    sqs            = var.endpoint
    ssm            = var.endpoint
    sts            = var.endpoint
  }

  default_tags {
    tags = {
      ManagedBy   = "driftmgr-breadth"
      Environment = "test"
    }
  }
}

locals {
  name    = "breadth"
  account = "123456789012" # moto's account
  region  = "us-east-1"
}

# An Ubuntu AMI from moto's built-in catalogue (a data source: not compared by either side).
data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*"]
  }
}
