generate "backend" {
  path      = "backend.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    terraform {
      backend "azurerm" {
        resource_group_name  = "rg-tfstate"
        storage_account_name = "acmetfstate"
        container_name      = "tfstate"
        key                  = "${path_relative_to_include()}.tfstate"
      }
    }
  EOF
}
