# Users, groups, roles, policies and their attachments.

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name                 = "${local.name}-app"
  description          = "the application's role"
  path                 = "/apps/"
  max_session_duration = 7200
  assume_role_policy   = data.aws_iam_policy_document.ec2_trust.json
  tags = {
    Name = "${local.name}-app"
  }
}

resource "aws_iam_role" "lambda" {
  name = "${local.name}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = ["lambda.amazonaws.com", "states.amazonaws.com"] }
    }]
  })
}

resource "aws_iam_role" "flow_logs" {
  name = "${local.name}-flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "app_read" {
  name = "read-data"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadData"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]
      },
      {
        Sid      = "Params"
        Effect   = "Allow"
        Action   = "ssm:GetParameter"
        Resource = aws_ssm_parameter.config.arn
      },
    ]
  })
}

resource "aws_iam_policy" "logs" {
  name        = "${local.name}-write-logs"
  path        = "/apps/"
  description = "write to CloudWatch Logs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.app.arn}:*"
    }]
  })
  tags = {
    Name = "${local.name}-write-logs"
  }
}

resource "aws_iam_role_policy_attachment" "lambda_logs" {
  role       = aws_iam_role.lambda.name
  policy_arn = aws_iam_policy.logs.arn
}

resource "aws_iam_instance_profile" "app" {
  name = "${local.name}-app"
  path = "/apps/"
  role = aws_iam_role.app.name
  tags = {
    Name = "${local.name}-app"
  }
}

resource "aws_iam_group" "ops" {
  name = "${local.name}-ops"
  path = "/people/"
}

resource "aws_iam_group_policy" "ops_read" {
  name  = "read-only-ec2"
  group = aws_iam_group.ops.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ec2:Describe*"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_group_policy_attachment" "ops_logs" {
  group      = aws_iam_group.ops.name
  policy_arn = aws_iam_policy.logs.arn
}

resource "aws_iam_user" "alice" {
  name          = "${local.name}-alice"
  path          = "/people/"
  force_destroy = true
  tags = {
    Name = "alice"
    Team = "ops"
  }
}

resource "aws_iam_user_group_membership" "alice" {
  user   = aws_iam_user.alice.name
  groups = [aws_iam_group.ops.name]
}

resource "aws_iam_user_policy" "alice_mfa" {
  name = "require-mfa"
  user = aws_iam_user.alice.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      NotAction = ["iam:*"]
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}

resource "aws_iam_user_policy_attachment" "alice_logs" {
  user       = aws_iam_user.alice.name
  policy_arn = aws_iam_policy.logs.arn
}

resource "aws_iam_openid_connect_provider" "ci" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags = {
    Name = "github-actions"
  }
}
