terraform {
  backend "gcs" {
    bucket = "acme-tfstate-gcs"
  }
}
