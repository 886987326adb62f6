module github.com/wsskit/wsskit

go 1.26.0

require (
	golang.org/x/crypto v0.59.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)
