# Databases, streams, queues, topics, parameters, secrets, keys, file systems, registries.

resource "aws_kms_key" "main" {
  description             = "breadth data key"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  tags = {
    Name = "${local.name}-data"
  }
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}-data"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_dynamodb_table" "sessions" {
  name         = "${local.name}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    Name = "${local.name}-sessions"
  }
}

resource "aws_kinesis_stream" "events" {
  name             = "${local.name}-events"
  shard_count      = 1
  retention_period = 48
  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
  tags = {
    Name = "${local.name}-events"
  }
}

resource "aws_sqs_queue" "dead_letters" {
  name                      = "${local.name}-dead-letters"
  message_retention_seconds = 1209600
  tags = {
    Name = "${local.name}-dead-letters"
  }
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${local.name}-jobs"
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 10
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = 5
  })
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "FromTopic"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:${local.region}:${local.account}:${local.name}-jobs"
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.alerts.arn } }
      },
      {
        Sid       = "FromBucket"
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:${local.region}:${local.account}:${local.name}-jobs"
        Condition = { ArnLike = { "aws:SourceArn" = "arn:aws:s3:::${local.name}-data" } }
      },
    ]
  })
  tags = {
    Name = "${local.name}-jobs"
  }
}

resource "aws_sns_topic" "alerts" {
  name         = "${local.name}-alerts"
  display_name = "Breadth alerts"
  tags = {
    Name = "${local.name}-alerts"
  }
}

resource "aws_sns_topic_subscription" "jobs" {
  topic_arn            = aws_sns_topic.alerts.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.jobs.arn
  raw_message_delivery = true
}

resource "aws_ssm_parameter" "config" {
  name        = "/${local.name}/config/log-level"
  description = "the application's log level"
  type        = "String"
  value       = "info"
  tags = {
    Name = "${local.name}-log-level"
  }
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "${local.name}/db"
  description             = "database credentials"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 0
  tags = {
    Name = "${local.name}-db"
  }
}

resource "aws_efs_file_system" "shared" {
  creation_token   = "${local.name}-shared"
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = "bursting"
  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }
  tags = {
    Name = "${local.name}-shared"
  }
}

resource "aws_ecr_repository" "app" {
  name                 = "${local.name}/app"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  tags = {
    Name = "${local.name}-app"
  }
}

resource "aws_db_subnet_group" "main" {
  name        = "${local.name}-db"
  description = "private subnets for databases"
  subnet_ids  = [for s in aws_subnet.private : s.id]
  tags = {
    Name = "${local.name}-db"
  }
}

resource "aws_db_instance" "main" {
  identifier              = "${local.name}-db"
  engine                  = "postgres"
  engine_version          = "15.4"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  storage_type            = "gp3"
  storage_encrypted       = true
  username                = "app"
  password                = "not-a-real-password-1"
  db_name                 = "app"
  db_subnet_group_name    = aws_db_subnet_group.main.name
  vpc_security_group_ids  = [aws_security_group.db.id]
  backup_retention_period = 7
  skip_final_snapshot     = true
  apply_immediately       = true
  tags = {
    Name = "${local.name}-db"
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the last 20 images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 20
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_ecr_repository_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PullFromTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.account}:root" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}

resource "aws_db_parameter_group" "postgres" {
  name        = "${local.name}-postgres15"
  family      = "postgres15"
  description = "postgres settings"
  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
  tags = {
    Name = "${local.name}-postgres15"
  }
}

resource "aws_elasticache_subnet_group" "main" {
  name        = "${local.name}-cache"
  description = "private subnets for caches"
  subnet_ids  = [for s in aws_subnet.private : s.id]
  tags = {
    Name = "${local.name}-cache"
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchPublishes"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alerts.arn
    }]
  })
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyTheJobsQueue"
      Effect    = "Allow"
      Principal = { Service = "sqs.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.dead_letters.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sqs_queue.jobs.arn } }
    }]
  })
}
