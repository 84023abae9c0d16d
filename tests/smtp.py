"""A real SMTP server (aiosmtpd) started in-process for the tests that send mail."""
