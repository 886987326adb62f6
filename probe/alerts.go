package probe

import (
	"crypto/tls"
	"errors"
	"net"
	"reflect"
)

// alertNames are the TLS alert descriptions of the IANA registry (RFC 5246,
// RFC 8446 and their extensions), by code.
var alertNames = map[uint8]string{
	0:   "close_notify",
	10:  "unexpected_message",
	20:  "bad_record_mac",
	21:  "decryption_failed",
	22:  "record_overflow",
	30:  "decompression_failure",
	40:  "handshake_failure",
	41:  "no_certificate",
	42:  "bad_certificate",
	43:  "unsupported_certificate",
	44:  "certificate_revoked",
	45:  "certificate_expired",
	46:  "certificate_unknown",
	47:  "illegal_parameter",
	48:  "unknown_ca",
	49:  "access_denied",
	50:  "decode_error",
	51:  "decrypt_error",
	60:  "export_restriction",
	70:  "protocol_version",
	71:  "insufficient_security",
	80:  "internal_error",
	86:  "inappropriate_fallback",
	90:  "user_canceled",
	100: "no_renegotiation",
	109: "missing_extension",
	110: "unsupported_extension",
	111: "certificate_unobtainable",
	112: "unrecognized_name",
	113: "bad_certificate_status_response",
	114: "bad_certificate_hash_value",
	115: "unknown_psk_identity",
	116: "certificate_required",
	120: "no_application_protocol",
	121: "ech_required",
}

// AlertName returns the registry name of a TLS alert code, or
// "unknown_alert_N" for a code with no name.
func AlertName(code uint8) string {
	if n, ok := alertNames[code]; ok {
		return n
	}
	return "unknown_alert_" + itoa(int(code))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// AlertFromError finds a TLS alert in err. A received alert comes back from
// crypto/tls over TCP as *net.OpError{Op: "remote error"} whose Err is the
// unexported type tls.alert (a uint8); tls.AlertError is only used for QUIC
// (OPENSSL-COMPAT.md §6), so the code is read with reflect. A tls.AlertError
// (QUIC) is reported as an alert this side sent. It returns nil when err
// holds no alert.
func AlertFromError(err error) *Alert {
	if err == nil {
		return nil
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		v := reflect.ValueOf(op.Err)
		if v.Kind() == reflect.Uint8 {
			code := uint8(v.Uint())
			return &Alert{Name: AlertName(code), Code: code}
		}
	}
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return &Alert{Name: AlertName(uint8(ae)), Code: uint8(ae), Sent: true}
	}
	return nil
}
