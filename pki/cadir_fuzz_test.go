package pki

import (
	"bytes"
	"crypto/x509"
	"path/filepath"
	"testing"
	"time"
)

// FuzzCAPath files arbitrary bytes as HASH.0, HASH.1 and HASH.r0 of a
// hashed CA folder and reads it the ways wsskit does: CAPath (lookups,
// store lookups and listing, as verify and the servers' --capath),
// OpenHashDir, ListCAPath (capath list, show DIR) and a dry-run Rehash. Nothing may
// panic, and what comes back must be what OpenSSL's lookup would find:
// certificates whose subject equals the looked-up name, CRLs whose issuer
// equals it, and a listing of certificates that hash to their file's name.
func FuzzCAPath(f *testing.F) {
	caName := hxName(hxSet(hxAVA(hxOIDO, 19, "Fuzz")), hxSet(hxAVA(hxOIDCN, 12, "Root CA")))
	caNameAlt := hxName(hxSet(hxAVA(hxOIDO, 12, "fuzz")), hxSet(hxAVA(hxOIDCN, 30, hxBMP("ROOT  CA"))))
	other := hxCN(12, "someone else")
	k := hxNewKey(f)
	ca := hxCert(caName, caName, hxCertOpts{key: k, ca: true, serial: 1})
	alt := hxCert(caNameAlt, caNameAlt, hxCertOpts{key: k, ca: true, serial: 2})
	oc := hxCert(other, other, hxCertOpts{key: k, ca: true, serial: 3})
	crl := hxCRL(caName, k, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 7)
	f.Add(hxPEM("CERTIFICATE", ca), hxPEM("CERTIFICATE", alt))
	f.Add(append(hxPEM("CERTIFICATE", oc), hxPEM("X509 CRL", crl)...), hxPEM("TRUSTED CERTIFICATE", append(append([]byte(nil), ca...), 0x30, 0)))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"), ca)
	f.Add([]byte("junk\n-----BEGIN X509 CRL-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X509 CRL-----\n"), []byte{})

	want, err := CanonicalName(caName)
	if err != nil {
		f.Fatal(err)
	}
	h := hxHashOf(f, caName)
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, file0, file1 []byte) {
		// One folder for the whole run, its three files rewritten per
		// input: a folder per input makes fuzzing (and minimising) crawl.
		dir := root
		hxWrite(t, dir, h+".0", file0)
		hxWrite(t, dir, h+".1", file1)
		hxWrite(t, dir, h+".r0", file0)
		p := OpenCAPath(dir)
		certs, _ := p.LookupIssuers(caName)
		for _, c := range certs {
			if got, err := CanonicalName(c.RawSubject); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("LookupIssuers returned a certificate for %q", c.Subject)
			}
		}
		again, _ := p.LookupIssuers(caNameAlt)
		if len(again) != len(certs) {
			t.Fatalf("equal names found %d then %d certificates", len(certs), len(again))
		}
		crls, _ := p.LookupCRLs(caName)
		for _, c := range crls {
			if got, err := CanonicalName(c.RawIssuer); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("LookupCRLs returned a CRL of %q", c.Issuer)
			}
		}
		all, _ := p.Certificates()
		for _, c := range all {
			if hv, err := NameHash(c.RawSubject); err != nil || FormatHash(hv) != h {
				t.Fatalf("Certificates listed %q, which is not filed under %s", c.Subject, h)
			}
		}
		if _, err := LoadCAPathPool(dir + string(filepath.ListSeparator) + dir); err != nil && len(all) > 0 {
			t.Fatalf("LoadCAPathPool failed although %d certificates are reachable: %v", len(all), err)
		}
		hd := OpenHashDir(dir)
		_, _ = hd.LookupIssuers(caName)
		_, _ = hd.LookupCRLs(caName)
		sl := p.StoreLookup()
		_, _ = sl.LookupIssuers(caName)
		_, _ = sl.LookupCRLs(caName)
		// The listing (capath list, show DIR) reports on every file, and
		// a dry-run rehash plans without touching anything.
		if rep, err := ListCAPath(dir); err == nil {
			if len(rep.Entries) == 0 {
				t.Fatalf("ListCAPath found no entry in a folder of three files")
			}
			_ = rep.Problems()
		}
		if _, err := Rehash(dir, RehashOptions{DryRun: true, Workers: 1}); err != nil && len(file0)+len(file1) == 0 {
			t.Fatalf("Rehash dry run of empty files: %v", err)
		}
	})
}

// FuzzCertNames checks the raw name extractors behind hashing and CA
// folders against crypto/x509: whenever both parse the same DER, the
// subject and issuer must be the same bytes.
func FuzzCertNames(f *testing.F) {
	name := hxName(hxSet(hxAVA(hxOIDC, 19, "SG")), hxSet(hxAVA(hxOIDCN, 12, "Names")))
	k := hxNewKey(f)
	cert := hxCert(name, hxCN(12, "issuer"), hxCertOpts{key: k, serial: 9})
	f.Add(cert)
	f.Add(hxCRL(name, k, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1, 2))
	f.Add(toIndefiniteSeq(cert))
	f.Fuzz(func(t *testing.T, der []byte) {
		subject, issuer, err := CertNames(der)
		if c, perr := x509.ParseCertificate(der); perr == nil && err == nil {
			if !bytes.Equal(subject, c.RawSubject) || !bytes.Equal(issuer, c.RawIssuer) {
				t.Fatalf("CertNames disagrees with crypto/x509:\nsubject %x\nwant    %x\nissuer  %x\nwant    %x", subject, c.RawSubject, issuer, c.RawIssuer)
			}
		}
		crlIssuer, err := CRLIssuerName(der)
		if l, perr := x509.ParseRevocationList(der); perr == nil && err == nil && !bytes.Equal(crlIssuer, l.RawIssuer) {
			t.Fatalf("CRLIssuerName = %x, crypto/x509 says %x", crlIssuer, l.RawIssuer)
		}
		csrSubject, err := CSRSubjectName(der)
		if r, perr := x509.ParseCertificateRequest(der); perr == nil && err == nil && !bytes.Equal(csrSubject, r.RawSubject) {
			t.Fatalf("CSRSubjectName = %x, crypto/x509 says %x", csrSubject, r.RawSubject)
		}
		_, _, _ = loadableCert(der)
		_, _, _ = loadableCRL(der)
		_, _ = readPEMCerts(der)
	})
}

// toIndefiniteSeq rewrites the outer SEQUENCE of der with an indefinite
// length (BER), a shape the raw parsers accept and crypto/x509 refuses.
func toIndefiniteSeq(der []byte) []byte {
	e, _, err := berNext(der)
	if err != nil || !e.cons {
		return der
	}
	out := append([]byte{0x30, 0x80}, e.body...)
	return append(out, 0, 0)
}
