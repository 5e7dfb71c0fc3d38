# Root configuration, named root.hcl as Terragrunt now recommends.
locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  project = get_env("TG_STATE_PROJECT", local.account.locals.project)
}

remote_state {
  backend = "gcs"
  config = {
    project  = local.project
    location = "europe-west1"
    bucket   = "${local.project}-tfstate"
    prefix   = path_relative_to_include()
  }
}
