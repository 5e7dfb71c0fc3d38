include "root" {
  path = find_in_parent_folders("missing-root.hcl")
}

terraform {
  source = "../modules//orphan"
}
