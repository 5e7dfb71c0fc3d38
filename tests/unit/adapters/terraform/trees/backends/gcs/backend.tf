terraform {
  backend "gcs" {
    bucket = "acme-tfstate-gcs"
    prefix = "apps/web/"
  }
}
