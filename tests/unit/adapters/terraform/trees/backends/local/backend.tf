terraform {
  backend "local" {
    path = "../common/app.tfstate"
  }
}
