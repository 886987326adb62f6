package pki

// OpenHashDir returns a -CApath value (one folder, or several separated by
// the OS path list separator, as OpenSSL accepts) as Verify's IssuerLookup:
// the folder read the way `openssl verify -CApath` reads it, through the
// cached CAPath reader, with OpenSSL's store semantics (see
// CAPath.StoreLookup). It does not read anything yet.
func OpenHashDir(path string) IssuerLookup {
	return OpenCAPath(path).StoreLookup()
}

// nameHashHex is X509_NAME_hash_ex as the folder's file names spell it.
func nameHashHex(rawName []byte) (string, error) {
	h, err := NameHash(rawName)
	if err != nil {
		return "", err
	}
	return FormatHash(h), nil
}
