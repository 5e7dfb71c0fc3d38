include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../../../modules//legacy"
}

# This unit predates the shared bucket and keeps its own.
remote_state {
  backend = "gcs"
  config = {
    bucket = "acme-legacy-tfstate"
    prefix = "legacy/${basename(get_terragrunt_dir())}"
  }
}
