# Remediation project: tests/e2e/test_remediation.py applies it to a moto server, drifts it
# with boto3 (instance type, a bucket tag, an SSH rule open to the world, versioning
# suspended, a bucket nobody manages), and has driftmgr plan, approve, apply and roll back.
# `terraform plan -refresh-only` judges each step. Keep it small: every resource costs
# seconds of provider waiters.

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
    sqs = var.endpoint
    sts = var.endpoint
  }
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*"]
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
  tags = {
    Name = "remediation-main"
  }
}

resource "aws_security_group" "web" {
  name        = "remediation-web"
  description = "web servers"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "https from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "web" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.micro"
  tags = {
    Name = "remediation-web"
  }
}

resource "aws_s3_bucket" "data" {
  bucket = "remediation-data"
  tags = {
    Team = "platform"
  }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}
