terraform {
  backend "local" {
    path = "../shared/app.tfstate"
  }
}
