# Oracle project: tests/e2e/test_terraform_oracle.py applies it to a moto server, drifts the
# resources with boto3, and checks that driftmgr reports exactly what
# `terraform plan -refresh-only` reports. Only types driftmgr's AWS adapter lists are used,
# so that every drift terraform sees is one driftmgr can be held to. Keep it small: every
# resource costs seconds of provider waiters.

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
    ec2 = var.endpoint
    s3  = var.endpoint
    iam = var.endpoint
    sts = var.endpoint
  }

  default_tags {
    tags = {
      ManagedBy = "driftmgr-oracle"
      Team      = "platform"
    }
  }
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

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags = {
    Name  = "oracle-main"
    Owner = "network"
  }
}

resource "aws_security_group" "web" {
  name        = "oracle-web"
  description = "web servers"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "ssh from the VPC"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    Name = "oracle-web"
  }
}

# No subnet: driftmgr cannot list aws_subnet yet, so the instances go to the default VPC's
# default subnet (and its default security group).
resource "aws_instance" "web" {
  count         = 2
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  tags = {
    Name = "oracle-web-${count.index}"
    Role = "web"
  }
}

resource "aws_s3_bucket" "data" {
  for_each = {
    assets = "public assets"
    logs   = "access logs"
    backup = "nightly backups"
  }
  bucket = "oracle-${each.key}"
  tags = {
    Purpose = each.value
    Tier    = each.key == "backup" ? "cold" : "hot"
  }
}

resource "aws_iam_role" "app" {
  name        = "oracle-app"
  description = "the application's role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
  tags = {
    Name = "oracle-app"
  }
}

resource "aws_iam_role" "ci" {
  name = "oracle-ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = ["sts:AssumeRole"]
      Principal = { Service = "codebuild.amazonaws.com" }
    }]
  })
}
