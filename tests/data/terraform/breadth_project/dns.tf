# A public zone, a record, a health check, a certificate.

resource "aws_route53_zone" "public" {
  name    = "breadth.example.com"
  comment = "public names"
  tags = {
    Name = "${local.name}-public"
  }
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "www.breadth.example.com"
  type    = "A"
  ttl     = 300
  records = ["192.0.2.10", "192.0.2.11"]
}

resource "aws_route53_health_check" "www" {
  fqdn              = "www.breadth.example.com"
  port              = 443
  type              = "HTTPS"
  resource_path     = "/healthz"
  failure_threshold = 3
  request_interval  = 30
  tags = {
    Name = "${local.name}-www"
  }
}

resource "aws_acm_certificate" "www" {
  domain_name               = "www.breadth.example.com"
  subject_alternative_names = ["api.breadth.example.com"]
  validation_method         = "DNS"
  tags = {
    Name = "${local.name}-www"
  }
}
