# Lambda, EventBridge, ECS. (No Step Functions: see NOT_APPLIED in the test.)

resource "aws_lambda_function" "worker" {
  function_name    = "${local.name}-worker"
  description      = "processes jobs"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "handler.handle"
  filename         = "${path.module}/handler.zip"
  source_code_hash = filebase64sha256("${path.module}/handler.zip")
  memory_size      = 256
  timeout          = 30
  publish          = true

  environment {
    variables = {
      LOG_LEVEL = "info"
      QUEUE_URL = aws_sqs_queue.jobs.url
    }
  }

  tags = {
    Name = "${local.name}-worker"
  }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "what production calls"
  function_name    = aws_lambda_function.worker.function_name
  function_version = aws_lambda_function.worker.version
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.worker.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.nightly.arn
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = 5
  enabled          = true
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "${local.name}-nightly"
  description         = "every night at two"
  schedule_expression = "cron(0 2 * * ? *)"
  tags = {
    Name = "${local.name}-nightly"
  }
}

resource "aws_cloudwatch_event_target" "worker" {
  rule      = aws_cloudwatch_event_rule.nightly.name
  target_id = "worker"
  arn       = aws_lambda_function.worker.arn
  input     = jsonencode({ job = "nightly" })
}

resource "aws_ecs_cluster" "main" {
  name = "${local.name}-main"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = {
    Name = "${local.name}-main"
  }
}

resource "aws_ecs_task_definition" "app" {
  family                   = "${local.name}-app"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.lambda.arn
  container_definitions = jsonencode([{
    name         = "app"
    image        = "public.ecr.aws/nginx/nginx:latest"
    essential    = true
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
  }])
  tags = {
    Name = "${local.name}-app"
  }
}

resource "aws_ecs_service" "app" {
  name            = "${local.name}-app"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 1
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = [for s in aws_subnet.private : s.id]
    security_groups = [aws_security_group.web.id]
  }

  tags = {
    Name = "${local.name}-app"
  }
}
