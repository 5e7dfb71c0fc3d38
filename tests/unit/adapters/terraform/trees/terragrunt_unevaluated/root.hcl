remote_state {
  backend = "s3"
  config = {
    bucket = "tfstate-${get_aws_account_id()}"
    key    = "${path_relative_to_include()}/terraform.tfstate"
    region = get_env("DRIFTMGR_TEST_UNSET_REGION")
  }
}
