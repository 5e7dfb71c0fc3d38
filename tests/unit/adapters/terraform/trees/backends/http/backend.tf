terraform {
  backend "http" {
    address        = "https://state.example.com/projects/42/terraform/state/prod"
    lock_address   = "https://state.example.com/projects/42/terraform/state/prod/lock"
    unlock_address = "https://state.example.com/projects/42/terraform/state/prod/lock"
  }
}
