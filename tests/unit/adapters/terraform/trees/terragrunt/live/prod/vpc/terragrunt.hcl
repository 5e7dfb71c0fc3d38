include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "git::https://github.com/acme/infrastructure-modules.git//networking/vpc?ref=v1.4.0"
}

inputs = {
  cidr_block = "10.0.0.0/16"
}
