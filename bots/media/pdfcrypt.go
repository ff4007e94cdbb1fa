package media

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
)

// pdfCrypt decrypts the strings and streams of a PDF encrypted with the
// Standard security handler (ISO 32000-2, 7.6.4) whose user password is
// empty: files with owner-only restrictions (no printing, no copying),
// which every reader opens without asking. RC4 (40 to 128 bits, R2-R4),
// AES-128 (AESV2, R4) and AES-256 (AESV3, R5 and R6). A file that needs a
// password is refused, as before: the asker is told it is encrypted.
type pdfCrypt struct {
	key      []byte
	stm, str cryptKind // of streams (StmF) and strings (StrF)
	encMeta  bool      // EncryptMetadata: a Metadata stream is ciphertext
	encObj   int64     // the Encrypt dictionary's object number (-1: inline)
}

type cryptKind int

const (
	cryptIdentity cryptKind = iota
	cryptRC4
	cryptAESV2
	cryptAESV3
)

var (
	errPDFPassword  = errors.New("a password is needed to open it")
	errPDFCryptForm = errors.New("its encryption is not the Standard handler's or is malformed")
)

// padding is the 32 bytes an empty password is padded with (7.6.4.3.2,
// Algorithm 2, step a).
var padding = []byte("\x28\xBF\x4E\x5E\x4E\x75\x8A\x41\x64\x00\x4E\x56\xFF\xFA\x01\x08" +
	"\x2E\x2E\x00\xB6\xD0\x68\x3E\x80\x2F\x0C\xA9\xFE\x64\x53\x69\x7A")

// newPDFCrypt checks the empty user password against the Encrypt
// dictionary enc and returns the file key's decrypter; id is the first
// element of the trailer's /ID.
func newPDFCrypt(enc pdfDict, id []byte) (*pdfCrypt, error) {
	return newPDFCryptPassword(enc, id, nil)
}

// newPDFCryptPassword is newPDFCrypt with a user password (tests check
// the algorithms with published vectors whose password is not empty).
func newPDFCryptPassword(enc pdfDict, id, password []byte) (*pdfCrypt, error) {
	if enc["Filter"] != pdfName("Standard") {
		return nil, errPDFCryptForm
	}
	v, _ := enc["V"].(int64)
	r, _ := enc["R"].(int64)
	o, _ := enc["O"].(pdfString)
	u, _ := enc["U"].(pdfString)
	p, _ := enc["P"].(int64)
	c := &pdfCrypt{encMeta: true, stm: cryptRC4, str: cryptRC4}
	if b, ok := enc["EncryptMetadata"].(bool); ok {
		c.encMeta = b
	}
	if v >= 4 {
		c.stm = cryptFilter(enc, "StmF")
		c.str = cryptFilter(enc, "StrF")
	}
	var err error
	switch {
	case r >= 2 && r <= 4 && v >= 1 && v <= 4 && len(o) >= 32 && len(u) >= 32:
		c.key, err = rc4FileKey(enc, v, r, []byte(o), []byte(u), uint32(p), id, password, c.encMeta)
	case (r == 5 || r == 6) && v == 5 && len(u) >= 48:
		ue, _ := enc["UE"].(pdfString)
		c.key, err = aesFileKey(r, []byte(u), []byte(ue), password)
	default:
		return nil, errPDFCryptForm
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// cryptFilter is the method of the crypt filter a V4/V5 dictionary names
// for streams or strings (7.6.6): Identity (the default) leaves them
// clear.
func cryptFilter(enc pdfDict, which string) cryptKind {
	name, _ := enc[pdfName(which)].(pdfName)
	if name == "" || name == "Identity" {
		return cryptIdentity
	}
	cf, _ := enc["CF"].(pdfDict)
	f, _ := cf[name].(pdfDict)
	switch f["CFM"] {
	case pdfName("V2"):
		return cryptRC4
	case pdfName("AESV2"):
		return cryptAESV2
	case pdfName("AESV3"):
		return cryptAESV3
	}
	return cryptIdentity // None
}

// rc4FileKey is Algorithm 2 (the file key of R2-R4) checked by
// Algorithm 6 (the user password: Algorithm 4 for R2, 5 for R3-R4).
func rc4FileKey(enc pdfDict, v, r int64, o, u []byte, p uint32, id, password []byte, encMeta bool) ([]byte, error) {
	n := 5
	if r >= 3 {
		bits, _ := enc["Length"].(int64)
		if v == 4 {
			bits = 128
		}
		if bits >= 40 && bits <= 128 && bits%8 == 0 {
			n = int(bits / 8)
		}
	}
	h := md5.New()
	h.Write(append(append([]byte(nil), password...), padding...)[:32])
	h.Write(o[:32])
	binary.Write(h, binary.LittleEndian, p)
	h.Write(id)
	if r >= 4 && !encMeta {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if r >= 3 {
		for range 50 {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	key = key[:n]
	var got, want []byte
	if r == 2 {
		got, want = rc4Bytes(key, padding), u[:32]
	} else {
		s := md5.Sum(append(append([]byte(nil), padding...), id...))
		got = rc4Bytes(key, s[:])
		x := make([]byte, len(key))
		for i := byte(1); i <= 19; i++ {
			for j := range key {
				x[j] = key[j] ^ i
			}
			got = rc4Bytes(x, got)
		}
		want = u[:16]
	}
	if !bytes.Equal(got, want) {
		return nil, errPDFPassword
	}
	return key, nil
}

// aesFileKey is Algorithm 2.A (R5, R6): the user password checked against
// U's validation salt, the file key decrypted from UE with the key salt.
func aesFileKey(r int64, u, ue, password []byte) ([]byte, error) {
	if len(password) > 127 {
		password = password[:127]
	}
	if !bytes.Equal(pdfHash(r, password, u[32:40], nil), u[:32]) {
		return nil, errPDFPassword
	}
	if len(ue) < 32 {
		return nil, errPDFCryptForm
	}
	block, err := aes.NewCipher(pdfHash(r, password, u[40:48], nil))
	if err != nil {
		return nil, errPDFCryptForm
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, nil
}

// pdfHash is R5's SHA-256 of password, salt and udata, and R6's
// Algorithm 2.B: rounds of AES-128 and SHA-256/384/512 until at least 64
// rounds ran and the last byte of the round's ciphertext is at most the
// round number minus 32.
func pdfHash(r int64, password, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if r == 5 {
		return k
	}
	var e []byte
	for i := 0; i < 64 || int(e[len(e)-1]) > i-32; i++ {
		one := append(append(append([]byte(nil), password...), k...), udata...)
		k1 := bytes.Repeat(one, 64)
		block, _ := aes.NewCipher(k[:16]) // 16 bytes: never fails
		e = make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b) // 256 = 1 (mod 3): the 128-bit number's remainder
		}
		var next hash.Hash
		switch sum % 3 {
		case 0:
			next = sha256.New()
		case 1:
			next = sha512.New384()
		default:
			next = sha512.New()
		}
		next.Write(e)
		k = next.Sum(nil)
	}
	return k[:32]
}

func rc4Bytes(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// objectKey is Algorithm 1: the key of object num gen (the file key
// itself for AESV3).
func (c *pdfCrypt) objectKey(kind cryptKind, num, gen int64) []byte {
	if kind == cryptAESV3 {
		return c.key
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
	if kind == cryptAESV2 {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(c.key)+5, 16)]
}

// decrypt is data in the clear. AES data is a 16-byte IV then CBC blocks
// with PKCS#5 padding; a length off the block size keeps the whole
// blocks, and a bad padding is left on, as readers tolerate.
func (c *pdfCrypt) decrypt(kind cryptKind, num, gen int64, data []byte) []byte {
	switch kind {
	case cryptRC4:
		return rc4Bytes(c.objectKey(kind, num, gen), data)
	case cryptAESV2, cryptAESV3:
		if len(data) < 32 {
			return nil // an IV alone, or less: nothing
		}
		block, err := aes.NewCipher(c.objectKey(kind, num, gen))
		if err != nil {
			return nil
		}
		body := data[16 : 16+(len(data)-16)/16*16]
		out := make([]byte, len(body))
		cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, body)
		if p := int(out[len(out)-1]); p >= 1 && p <= 16 && bytes.Equal(out[len(out)-p:], bytes.Repeat([]byte{byte(p)}, p)) {
			out = out[:len(out)-p]
		}
		return out
	}
	return data
}

// object decrypts the strings and the stream body of object num gen as
// parsed from the file (7.6.2). XRef streams are never encrypted, nor
// the Encrypt dictionary, nor members of object streams (the stream is,
// as a whole: the caller never passes them here).
func (c *pdfCrypt) object(v any, num, gen int64) any {
	if num == c.encObj {
		return v
	}
	switch x := v.(type) {
	case pdfString:
		return pdfString(c.decrypt(c.str, num, gen, []byte(x)))
	case pdfArray:
		for i := range x {
			x[i] = c.object(x[i], num, gen)
		}
	case pdfDict:
		for k, e := range x {
			x[k] = c.object(e, num, gen)
		}
	case *pdfStream:
		t := x.dict["Type"]
		if t == pdfName("XRef") {
			return x
		}
		c.object(x.dict, num, gen)
		if t != pdfName("Metadata") || c.encMeta {
			x.raw = c.decrypt(c.stm, num, gen, x.raw)
		}
	}
	return v
}
