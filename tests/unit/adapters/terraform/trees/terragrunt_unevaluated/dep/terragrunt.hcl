include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../modules//dep"
}

remote_state {
  backend = "s3"
  config = {
    bucket = "acme-tfstate"
    key    = "${run_cmd("git", "rev-parse", "--abbrev-ref", "HEAD")}/dep.tfstate"
  }
}
