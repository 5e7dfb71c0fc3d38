terraform {
  backend "consul" {
    address = "consul.example.com"
    path    = "tf/app"
  }
}
