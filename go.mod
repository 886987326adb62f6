module github.com/wsskit/wsskit

go 1.26.0
