terraform {
  backend "s3" {}
}

resource "aws_instance" "app" {
  ami           = "ami-0123456789abcdef0"
  instance_type = var.instance_type
}

variable "instance_type" {
  type = string
}
