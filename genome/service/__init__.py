"""The service desk: finding one customer and reading their whole profile."""
