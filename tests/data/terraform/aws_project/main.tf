# Test-data project: tests/data/terraform/generate.py applies it to a moto server, once per
# workspace, and keeps the resulting states as fixtures. Keep it small: every resource costs
# seconds of provider waiters per apply.

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

locals {
  # Workspaces must differ in names (IAM roles and buckets are global in one moto server)
  # and in tags, so that the two fixture states differ.
  env = terraform.workspace
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
      ManagedBy = "driftmgr-fixtures"
      Workspace = local.env
    }
  }
}

# An Ubuntu AMI from moto's built-in catalogue; also the state's data source.
data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*"]
  }
}

resource "aws_vpc" "main" {
  cidr_block = local.env == "default" ? "10.0.0.0/16" : "10.1.0.0/16"
  tags = {
    Name = "driftmgr-${local.env}"
  }
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
  tags = {
    Name = "driftmgr-${local.env}-a"
  }
}

resource "aws_security_group" "web" {
  name        = "driftmgr-${local.env}-web"
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
}

resource "aws_instance" "web" {
  count                  = 2
  ami                    = data.aws_ami.ubuntu.id
  instance_type          = local.env == "default" ? "t3.micro" : "t3.small"
  subnet_id              = aws_subnet.main.id
  vpc_security_group_ids = [aws_security_group.web.id]
  tags = {
    Name = "driftmgr-${local.env}-web-${count.index}"
  }
}

resource "aws_s3_bucket" "b" {
  for_each = toset(["a", "b"])
  bucket   = "driftmgr-${local.env}-${each.key}"
  tags = {
    Purpose = each.key == "a" ? "assets" : "logs"
  }
}

module "iam" {
  source = "./modules/iam"
  name   = "driftmgr-${local.env}-app"
}

# A resource of the built-in provider whose input is partly sensitive: the state records
# the sensitive paths in `sensitive_attributes` (values stay plaintext in `attributes`).
resource "terraform_data" "config" {
  input = {
    password = sensitive("s3cret-${local.env}")
    port     = 5432
    # A sensitive map element and a sensitive tuple element: paths with index steps.
    labels = tomap({ team = "platform", token = sensitive("t0ken-${local.env}") })
    ports  = [5432, sensitive(5433)]
  }
  triggers_replace = [module.iam.role_arn]
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "bucket_names" {
  value = [for b in aws_s3_bucket.b : b.bucket]
}

output "db_password" {
  value     = terraform_data.config.output.password
  sensitive = true
}
