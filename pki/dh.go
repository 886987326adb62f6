package pki

import (
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PEM block types OpenSSL uses for finite-field Diffie-Hellman parameters.
const (
	// PEMTypeDHParams is PKCS#3 DHParameter, written by `openssl dhparam`.
	PEMTypeDHParams = "DH PARAMETERS"
	// PEMTypeX942DHParams is the X9.42 DomainParameters form (p, g, q, ...),
	// written by `openssl dhparam -dsaparam` in OpenSSL 3.
	PEMTypeX942DHParams = "X9.42 DH PARAMETERS"
)

// Limits OpenSSL 3.0 applies to DH moduli (DH_MIN_MODULUS_BITS,
// OPENSSL_DH_MAX_MODULUS_BITS and OPENSSL_DH_CHECK_MAX_MODULUS_BITS).
const (
	// DHMinBits is the smallest modulus OpenSSL generates or accepts.
	DHMinBits = 512
	// DHMaxBits is the largest modulus OpenSSL generates or accepts.
	DHMaxBits = 10000
	// dhCheckMaxBits is the size above which DH_check gives up at once.
	dhCheckMaxBits = 32768
)

var (
	// ErrNoDHParams means the input holds neither a "DH PARAMETERS" nor an
	// "X9.42 DH PARAMETERS" PEM block and is not DER DH parameters.
	ErrNoDHParams = errors.New("pki: no DH parameters found")
	// ErrMalformedDHParams means a DH parameters structure could not be decoded.
	ErrMalformedDHParams = errors.New("pki: malformed DH parameters")
)

// DHParams are finite-field Diffie-Hellman domain parameters.
//
// P is the prime modulus and G the generator. Q is the order of the subgroup G
// generates; it is set only when the parameters came in the X9.42 form (for a
// safe prime P = 2Q+1, which wsskit generates, Q is implied and left nil, as in
// OpenSSL's PKCS#3 files). Length is PKCS#3's optional privateValueLength in
// bits, 0 when absent.
type DHParams struct {
	P, G, Q *big.Int
	Length  int
}

// Bits returns the size of the prime modulus in bits.
func (p *DHParams) Bits() int { return p.P.BitLen() }

// ParseDHParams decodes DH parameters from PEM ("DH PARAMETERS", PKCS#3, or
// "X9.42 DH PARAMETERS") or from DER in either form. In PEM input other
// blocks (certificates, keys) are skipped and the first DH block is used, as
// OpenSSL's PEM_read_bio_DHparams does.
func ParseDHParams(data []byte) (*DHParams, error) {
	rest := data
	sawPEM := false
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		switch block.Type {
		case PEMTypeDHParams:
			p, err := parsePKCS3(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: decoding %s PEM block: %w", block.Type, err)
			}
			return p, nil
		case PEMTypeX942DHParams:
			p, err := parseX942(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: decoding %s PEM block: %w", block.Type, err)
			}
			return p, nil
		}
	}
	if sawPEM {
		return nil, ErrNoDHParams
	}
	if len(data) == 0 || data[0] != 0x30 {
		return nil, ErrNoDHParams
	}
	parse, form := parsePKCS3, "PKCS#3"
	if derLooksX942(data) {
		parse, form = parseX942, "X9.42"
	}
	p, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("pki: decoding DER DH parameters (%s): %w", form, err)
	}
	return p, nil
}

// derLooksX942 tells the two DER forms apart: PKCS#3 holds p, g and maybe a
// small privateValueLength (at most p's size in bits); X9.42 holds p, g, q and
// maybe more. Anything unreadable is left to the PKCS#3 parser to report.
func derLooksX942(der []byte) bool {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	p, g, third := new(big.Int), new(big.Int), new(big.Int)
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(p) || !seq.ReadASN1Integer(g) {
		return false
	}
	if seq.Empty() || !seq.ReadASN1Integer(third) {
		return false
	}
	return !seq.Empty() || third.Sign() < 0 || third.Cmp(big.NewInt(int64(p.BitLen()))) > 0
}

func dhReadInt(s *cryptobyte.String, what string) (*big.Int, error) {
	n := new(big.Int)
	if !s.ReadASN1Integer(n) {
		return nil, fmt.Errorf("%w: reading %s INTEGER", ErrMalformedDHParams, what)
	}
	return n, nil
}

// parsePKCS3 decodes DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER,
// privateValueLength INTEGER OPTIONAL } (PKCS #3 section 9).
func parsePKCS3(der []byte) (*DHParams, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: not a single DER SEQUENCE", ErrMalformedDHParams)
	}
	p, err := dhReadInt(&seq, "prime")
	if err != nil {
		return nil, err
	}
	g, err := dhReadInt(&seq, "base")
	if err != nil {
		return nil, err
	}
	out := &DHParams{P: p, G: g}
	if !seq.Empty() {
		var l int32
		if !seq.ReadASN1Integer(&l) || l < 0 {
			return nil, fmt.Errorf("%w: privateValueLength is not a non-negative 32-bit INTEGER", ErrMalformedDHParams)
		}
		out.Length = int(l)
	}
	if !seq.Empty() {
		return nil, fmt.Errorf("%w: trailing data after privateValueLength", ErrMalformedDHParams)
	}
	if p.Sign() <= 0 {
		return nil, fmt.Errorf("%w: prime is not positive", ErrMalformedDHParams)
	}
	return out, nil
}

// parseX942 decodes DomainParameters ::= SEQUENCE { p INTEGER, g INTEGER,
// q INTEGER, j INTEGER OPTIONAL, validationParms ValidationParms OPTIONAL }
// (RFC 3279 section 2.3.3). j and validationParms are checked for shape and
// dropped.
func parseX942(der []byte) (*DHParams, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: not a single DER SEQUENCE", ErrMalformedDHParams)
	}
	p, err := dhReadInt(&seq, "p")
	if err != nil {
		return nil, err
	}
	g, err := dhReadInt(&seq, "g")
	if err != nil {
		return nil, err
	}
	q, err := dhReadInt(&seq, "q")
	if err != nil {
		return nil, err
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		if _, err := dhReadInt(&seq, "j"); err != nil {
			return nil, err
		}
	}
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		var vp cryptobyte.String
		if !seq.ReadASN1(&vp, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: reading validationParms", ErrMalformedDHParams)
		}
	}
	if !seq.Empty() {
		return nil, fmt.Errorf("%w: trailing data in X9.42 parameters", ErrMalformedDHParams)
	}
	if p.Sign() <= 0 {
		return nil, fmt.Errorf("%w: prime is not positive", ErrMalformedDHParams)
	}
	return &DHParams{P: p, G: g, Q: q}, nil
}

// DER returns the parameters as PKCS#3 DHParameter DER holding only p and g,
// as `openssl dhparam` writes them (Q and Length are not written).
func (p *DHParams) DER() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(p.P)
		b.AddASN1BigInt(p.G)
	})
	return b.BytesOrPanic()
}

// PEM returns the parameters as a "DH PARAMETERS" PEM block (PKCS#3, p and g
// only), byte for byte what `openssl dhparam` writes for the same numbers.
func (p *DHParams) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: PEMTypeDHParams, Bytes: p.DER()})
}

// DHGroupNames lists the RFC 7919 groups DHGroup knows, smallest first.
func DHGroupNames() []string {
	names := make([]string, 0, len(ffdhePrimes))
	for n := range ffdhePrimes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	return names
}

// DHGroup returns one of the RFC 7919 named groups ("ffdhe2048", "ffdhe3072",
// "ffdhe4096", "ffdhe6144", "ffdhe8192"; case-insensitive) with generator 2,
// the same parameters `openssl genpkey -genparam -algorithm DH -pkeyopt
// group:ffdheN` writes. Each call returns a fresh copy.
func DHGroup(name string) (*DHParams, error) {
	hexP, ok := ffdhePrimes[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("pki: unknown DH group %q (known: %s)", name, strings.Join(DHGroupNames(), ", "))
	}
	p, ok := new(big.Int).SetString(strings.Join(strings.Fields(hexP), ""), 16)
	if !ok {
		panic("pki: bad embedded prime for " + name)
	}
	return &DHParams{P: p, G: big.NewInt(2)}, nil
}

// dhGroupName returns the RFC 7919 group these parameters are, or "".
func dhGroupName(p *DHParams) string {
	if p.G == nil || p.G.Cmp(big.NewInt(2)) != 0 {
		return ""
	}
	for _, name := range DHGroupNames() {
		g, _ := DHGroup(name)
		if g.P.Cmp(p.P) == 0 && (p.Q == nil || new(big.Int).Rsh(g.P, 1).Cmp(p.Q) == 0) {
			return name
		}
	}
	return ""
}

// GroupName returns the RFC 7919 group name ("ffdhe2048"...) when the
// parameters are one of those groups, else "".
func (p *DHParams) GroupName() string { return dhGroupName(p) }

// OpenSSL's DH_check reasons (the text of the DH_R_* error strings), as
// `openssl dhparam -check` prints them.
const (
	DHCheckNotSuitableGenerator = "not suitable generator"
	DHCheckQNotPrime            = "check q not prime"
	DHCheckInvalidQValue        = "check invalid q value"
	DHCheckPNotPrime            = "check p not prime"
	DHCheckPNotSafePrime        = "check p not safe prime"
	DHCheckModulusTooSmall      = "modulus too small"
	DHCheckModulusTooLarge      = "modulus too large"
)

// dhPrimeRounds is the number of Miller-Rabin rounds CheckDHParams runs on
// top of ProbablyPrime's Baillie-PSW test: an error bound of 4^-20 even for
// adversarial input, and no BPSW pseudoprime is known.
const dhPrimeRounds = 20

// CheckDHParams checks DH parameters the way `openssl dhparam -check`
// (OpenSSL 3.0's DH_check) does and returns OpenSSL's reason strings in the
// order OpenSSL reports them; an empty result means "DH parameters appear to
// be ok". Like OpenSSL:
//   - an RFC 7919 group is accepted without further tests;
//   - without Q, p must be a safe prime (p and (p-1)/2 prime) and 1 < g < p-1;
//     g's order is not tested (g=5 on a prime made for g=2 passes);
//   - with Q (X9.42 form), q must be prime, divide p-1 and satisfy g^q = 1 mod p,
//     and p need not be a safe prime;
//   - p must have 512 to 10000 bits.
func CheckDHParams(p *DHParams) []string {
	if p == nil || p.P == nil || p.G == nil {
		return []string{DHCheckPNotPrime}
	}
	if dhGroupName(p) != "" {
		return nil
	}
	bits := p.P.BitLen()
	if bits > dhCheckMaxBits {
		return []string{DHCheckModulusTooLarge}
	}
	var notGen, qNotPrime, badQ, pNotPrime, notSafe, small, large bool
	// DH_check_params.
	if p.P.Bit(0) == 0 {
		pNotPrime = true
	}
	pm1 := new(big.Int).Sub(p.P, big.NewInt(1))
	if p.G.Sign() <= 0 || p.G.Cmp(big.NewInt(1)) == 0 || p.G.Cmp(pm1) >= 0 {
		notGen = true
	}
	small = bits < DHMinBits
	large = bits > DHMaxBits
	// DH_check proper.
	if p.Q != nil {
		if p.P.CmpAbs(p.Q) > 0 {
			if p.G.Cmp(big.NewInt(1)) <= 0 || p.G.Cmp(p.P) >= 0 {
				notGen = true
			} else if r := new(big.Int).Exp(p.G, p.Q, p.P); r == nil || r.Cmp(big.NewInt(1)) != 0 {
				// Exp returns nil for a negative q whose inverse does not
				// exist (a hostile file): g then generates nothing.
				notGen = true
			}
			if !dhIsPrime(p.Q) {
				qNotPrime = true
			}
			if p.Q.Sign() == 0 || new(big.Int).Mod(p.P, p.Q).Cmp(big.NewInt(1)) != 0 {
				badQ = true
			}
		} else {
			badQ = true
		}
	}
	if !dhIsPrime(p.P) {
		pNotPrime = true
	} else if p.Q == nil && !dhIsPrime(new(big.Int).Rsh(p.P, 1)) {
		notSafe = true
	}
	var out []string
	add := func(flag bool, reason string) {
		if flag {
			out = append(out, reason)
		}
	}
	// The order of DH_check_ex's ERR_raise calls.
	add(notGen, DHCheckNotSuitableGenerator)
	add(qNotPrime, DHCheckQNotPrime)
	add(badQ, DHCheckInvalidQValue)
	add(pNotPrime, DHCheckPNotPrime)
	add(notSafe, DHCheckPNotSafePrime)
	add(small, DHCheckModulusTooSmall)
	add(large, DHCheckModulusTooLarge)
	return out
}

func dhIsPrime(n *big.Int) bool {
	return n.Sign() > 0 && n.ProbablyPrime(dhPrimeRounds)
}

// ffdhePrimes are the RFC 7919 appendix A primes (generator 2), in hex.
var ffdhePrimes = map[string]string{
	"ffdhe2048": `
		FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
		A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
		D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
		984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
		BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
		AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
		9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
		C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF
	`,
	"ffdhe3072": `
		FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
		A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
		D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
		984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
		BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
		AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
		9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
		C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B
		BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C
		AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF
		5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E
		0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF
	`,
	"ffdhe4096": `
		FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
		A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
		D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
		984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
		BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
		AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
		9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
		C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B
		BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C
		AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF
		5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E
		0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB
		7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A
		7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038
		092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF
		8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E655F6AFFFFFFFFFFFFFFFF
	`,
	"ffdhe6144": `
		FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
		A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
		D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
		984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
		BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
		AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
		9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
		C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B
		BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C
		AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF
		5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E
		0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB
		7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A
		7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038
		092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF
		8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E0DD9020BFD64B645036C7A
		4E677D2C38532A3A23BA4442CAF53EA63BB454329B7624C8917BDD64B1C0FD4C
		B38E8C334C701C3ACDAD0657FCCFEC719B1F5C3E4E46041F388147FB4CFDB477
		A52471F7A9A96910B855322EDB6340D8A00EF092350511E30ABEC1FFF9E3A26E
		7FB29F8C183023C3587E38DA0077D9B4763E4E4B94B2BBC194C6651E77CAF992
		EEAAC0232A281BF6B3A739C1226116820AE8DB5847A67CBEF9C9091B462D538C
		D72B03746AE77F5E62292C311562A846505DC82DB854338AE49F5235C95B9117
		8CCF2DD5CACEF403EC9D1810C6272B045B3B71F9DC6B80D63FDD4A8E9ADB1E69
		62A69526D43161C1A41D570D7938DAD4A40E329CD0E40E65FFFFFFFFFFFFFFFF
	`,
	"ffdhe8192": `
		FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695
		A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A
		D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935
		984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A
		BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4
		AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61
		9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005
		C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B
		BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C
		AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF
		5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E
		0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB
		7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A
		7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038
		092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF
		8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E0DD9020BFD64B645036C7A
		4E677D2C38532A3A23BA4442CAF53EA63BB454329B7624C8917BDD64B1C0FD4C
		B38E8C334C701C3ACDAD0657FCCFEC719B1F5C3E4E46041F388147FB4CFDB477
		A52471F7A9A96910B855322EDB6340D8A00EF092350511E30ABEC1FFF9E3A26E
		7FB29F8C183023C3587E38DA0077D9B4763E4E4B94B2BBC194C6651E77CAF992
		EEAAC0232A281BF6B3A739C1226116820AE8DB5847A67CBEF9C9091B462D538C
		D72B03746AE77F5E62292C311562A846505DC82DB854338AE49F5235C95B9117
		8CCF2DD5CACEF403EC9D1810C6272B045B3B71F9DC6B80D63FDD4A8E9ADB1E69
		62A69526D43161C1A41D570D7938DAD4A40E329CCFF46AAA36AD004CF600C838
		1E425A31D951AE64FDB23FCEC9509D43687FEB69EDD1CC5E0B8CC3BDF64B10EF
		86B63142A3AB8829555B2F747C932665CB2C0F1CC01BD70229388839D2AF05E4
		54504AC78B7582822846C0BA35C35F5C59160CC046FD8251541FC68C9C86B022
		BB7099876A460E7451A8A93109703FEE1C217E6C3826E52C51AA691E0E423CFC
		99E9E31650C1217B624816CDAD9A95F9D5B8019488D9C0A0A1FE3075A577E231
		83F81D4A3F2FA4571EFC8CE0BA8A4FE8B6855DFE72B0A66EDED2FBABFBE58A30
		FAFABE1C5D71A87E2F741EF8C1FE86FEA6BBFDE530677F0D97D11D49F7A8443D
		0822E506A9F4614E011E2A94838FF88CD68C8BB7C5C6424CFFFFFFFFFFFFFFFF
	`,
}
