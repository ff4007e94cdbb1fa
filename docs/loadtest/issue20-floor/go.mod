module floor

go 1.26
