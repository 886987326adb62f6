package pki

// Temporary stand-in for the hash branch's NameHash; deleted when it merges.
// Handles only UTF8String/PrintableString/IA5String ASCII names.

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func NameHash(der []byte) (uint32, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	s.ReadASN1(&seq, cbasn1.SEQUENCE)
	var out []byte
	for !seq.Empty() {
		var set cryptobyte.String
		seq.ReadASN1(&set, cbasn1.SET)
		var elems [][]byte
		for !set.Empty() {
			var ava, oid, val cryptobyte.String
			var tag cbasn1.Tag
			set.ReadASN1(&ava, cbasn1.SEQUENCE)
			ava.ReadASN1Element(&oid, cbasn1.OBJECT_IDENTIFIER)
			ava.ReadAnyASN1(&val, &tag)
			v := bytes.ToLower(bytes.Join(bytes.Fields(val), []byte(" ")))
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(oid)
				b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes(v) })
			})
			elems = append(elems, b.BytesOrPanic())
		}
		if len(elems) == 0 {
			continue
		}
		slices.SortFunc(elems, bytes.Compare)
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, e := range elems {
				b.AddBytes(e)
			}
		})
		out = append(out, b.BytesOrPanic()...)
	}
	sum := sha1.Sum(out)
	return binary.LittleEndian.Uint32(sum[:4]), nil
}

func CAPathCerts(dir string) ([]*x509.Certificate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for {
			var b *pem.Block
			b, data = pem.Decode(data)
			if b == nil {
				break
			}
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func NameHashOld(der []byte) uint32 {
	sum := md5.Sum(der)
	return binary.LittleEndian.Uint32(sum[:4])
}
