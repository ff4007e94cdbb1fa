package media

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// jsUnescape decodes the %XX escapes of the vectors below as written in
// pdf.js's test/unit/crypto_spec.js (Apache-2.0): the test data of its
// CipherTransformFactory, whose passwords that spec says are accepted or
// refused.
func jsUnescape(t *testing.T, s string) pdfString {
	t.Helper()
	b, err := url.PathUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return pdfString(b)
}

// TestPDFCryptVectors: Algorithms 2, 2.A, 2.B, 4-6 against published
// vectors: RC4-128 R3 and AES-256 R5/R6 with a user password (accepted
// with it, refused without), R4 and R5/R6 with an empty one (accepted).
func TestPDFCryptVectors(t *testing.T) {
	u := func(s string) pdfString { return jsUnescape(t, s) }
	fileID1 := []byte(u("%F6%C6%AF%17%F3rR%8DRM%9A%80%D1%EF%DF%18"))
	fileID2 := []byte(u("%3CL_%3AD%96%AF@%9A%9D%B3%3Cx%1Cv%AC"))
	dict1 := pdfDict{"Filter": pdfName("Standard"), "V": int64(2), "Length": int64(128), "R": int64(3), "P": int64(-1028),
		"O": u("%80%C3%04%96%91o%20sl%3A%E6%1B%13T%91%F2%0DV%12%E3%FF%5E%BB%E9VO%D8k%9A%CA%7C%5D"),
		"U": u("j%0C%8D%3EY%19%00%BCjd%7D%91%BD%AA%00%18%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00")}
	dict2 := pdfDict{"Filter": pdfName("Standard"), "V": int64(4), "Length": int64(128), "R": int64(4), "P": int64(-1084),
		"O": u("sF%14v.y5%27%DB%97%0A5%22%B3%E1%D4%AD%BD%9B%3C%B4%A5%89u%15%B2Y%F1h%D9%E9%F4"),
		"U": u("%93%04%89%A9%BF%8AE%A6%88%A2%DB%C2%A0%A8gn%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00")}
	aes256 := func(r int64, o, uu, oe, ue string) pdfDict {
		return pdfDict{"Filter": pdfName("Standard"), "V": int64(5), "Length": int64(256), "R": r, "P": int64(-1084),
			"O": u(o), "U": u(uu), "OE": u(oe), "UE": u(ue)}
	}
	r5 := aes256(5,
		"%3Cb%89%233e%C8%98%D2%B2%E2%E4%86%CD%A3%18%CC%7E%B1%24j2%24%7D%D2%AC%ABx%DEl%8Bs%F3vG%99%80%11e%3E%C8%F5%F2%0C%DA%7B%18x",
		"%83%F2%8F%A0W%02%8A%86O%FD%BD%AD%E0I%90%F1%BEQ%C5%0F%F9i%91%97%0F%C2A%03%01%7E%BB%DDu%A9%04%20%9Fe%16%DC%A8%5E%D7%C0d%26%BC%28",
		"%D5%CA%0E%BDnLF%BF%06%C3%0A%BE%9Dd%90U%08%3E%7B%B2%9C%E52%28%E5%D86%DE%22%26j%DF",
		"%23%96%C3%A9%F533%FF%9E%9E%21%F2%E7K%7D%BE%19%7E%ACr%C3%F4%89%F5%EA%A5*J%3C%26%11%11")
	r6 := aes256(6,
		"X%E8%3E6%F5%1A%F5%D1%89%7B%DDH%C71%25%D9%1FJs%A7%7F%9E%B0M-%A3W/%27Z%D9%8D%8E%E8%A9%D0%CA%D6%05%B9%1D%D0%B9.%0BL%87%95",
		"%5E%E6%CDK%A6c%FAL%DB%80%11U9%11%21%A4%96.g%B0%A0%9C%BB%E9%A6%DF%A3%FD%93%EB_%B8S%F5%92e%C6%F7%22%C6%BF%0B%10%5E%ED%D8%14%AF",
		"%D1I%E0Mg%9B%C9%B5%BED%DF%14%3EZ8%D2%05%F0%B2%80%EE%7CD%FE%FD%F4%3El%D0%87%0A%FB",
		"y%D0%02%B5%E6Y%9C%3C%FD%8F%D4%1CT%B4%C4%B1%AD%80%DDk.%14%5E%BA%873_%18%14%DF%FE%24")
	r5Blank := aes256(5,
		"%B8p%04%C3g%26%FCW%CCN%D4%16%A1%E8%950YZ%C9%9E%B1-%97%F3%FE%03%13%19ffZn%8F%F5%EB%EC%CC5sV%10e%CEl%B5%E9G%C1",
		"%83%D4zi%F1O0%961%12%CC%82%CB%CA%BF5y%FD%21%EB%E4%D1%B5%1D%D6%FA%14%F3%BE%8Fqs%EF%88%DE%E2%E8%DC%F55%E4%B8%16%C8%14%8De%1E",
		"%8F%19%E8%D4%27%D5%07%CA%C6%A1%11%A6a%5Bt%F4%DF%0F%84%29%0F%E4%EFF7%5B%5B%11%A0%8F%17e",
		"%81%F5%5D%B0%28%81%E4%7F_%7C%8F%85b%A0%7E%10%D0%88lx%7B%7EJ%5E%912%B6d%12%27%05%F6")
	r6Blank := aes256(6,
		"%F7%DB%99U%A6M%ACk%AF%CF%D7AFw%E9%C1%91%CBDgI%23R%CF%0C%15r%D74%0D%CE%E9%91@%E4%98QF%BF%88%7Ej%DE%AD%8F%F4@%C1",
		"%1A%A9%DC%918%83%93k%29%5B%117%B16%DB%E8%8E%FE%28%E5%89%D4%0E%AD%12%3B%7DN_6fez%8BG%18%05YOh%7DZH%A3Z%87%17*",
		"%A4a%88%20h%1B%7F%CD%D5%CAc%D8R%83%E5%D6%1C%D2%98%07%984%BA%AF%1B%B4%7FQ%F8%1EU%7D",
		"%A0%0AZU%27%1D%27%2C%0B%FE%0E%A2L%F9b%5E%A1%B9%D6v7b%B26%A9N%99%F1%A4Deq")
	for _, c := range []struct {
		name     string
		dict     pdfDict
		id       []byte
		password string
		ok       bool
	}{
		{"RC4-128 R3, its user password", dict1, fileID1, "123456", true},
		{"RC4-128 R3, empty", dict1, fileID1, "", false},
		{"RC4-128 R3, wrong", dict1, fileID1, "wrong", false},
		{"R4, empty user password", dict2, fileID2, "", true},
		{"AES-256 R5, its user password", r5, fileID1, "user", true},
		{"AES-256 R5, empty", r5, fileID1, "", false},
		{"AES-256 R5, empty user password", r5Blank, fileID1, "", true},
		{"AES-256 R6, its user password", r6, fileID1, "user", true},
		{"AES-256 R6, empty", r6, fileID1, "", false},
		{"AES-256 R6, wrong", r6, fileID1, "wrong", false},
		{"AES-256 R6, empty user password", r6Blank, fileID1, "", true},
	} {
		_, err := newPDFCryptPassword(c.dict, c.id, []byte(c.password))
		if c.ok && err != nil || !c.ok && !errors.Is(err, errPDFPassword) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// encrypted builds a one-page PDF whose content stream (object 5,
// generation gen) says text, encrypted as the Standard handler would
// with the user password pw: RC4 40 (V1 R2), RC4 128 (V2 R3), AESV2 (V4
// R4) or AESV3 (V5 R6). The keys are made from the spec's algorithms in
// this test; the reader's side is checked against vectors above.
func encrypted(t testing.TB, kind string, pw string, gen int, text string) []byte {
	t.Helper()
	id := []byte("0123456789abcdef")
	o := bytes.Repeat([]byte{0x5a}, 32)
	var p int32 = -1084
	var enc string
	var key []byte
	aesv := 0
	pad := func(s string) []byte { return append([]byte(s), padding...)[:32] }
	rc4Key := func(n int, r int) []byte {
		h := md5.New()
		h.Write(pad(pw))
		h.Write(o)
		binary.Write(h, binary.LittleEndian, p)
		h.Write(id)
		k := h.Sum(nil)
		if r >= 3 {
			for range 50 {
				s := md5.Sum(k[:n])
				k = s[:]
			}
		}
		return k[:n]
	}
	userR3 := func(k []byte) []byte { // Algorithm 5, then 16 arbitrary bytes
		s := md5.Sum(append(append([]byte(nil), padding...), id...))
		x := rc4Bytes(k, s[:])
		for i := byte(1); i <= 19; i++ {
			ki := make([]byte, len(k))
			for j := range k {
				ki[j] = k[j] ^ i
			}
			x = rc4Bytes(ki, x)
		}
		return append(x, bytes.Repeat([]byte{7}, 16)...)
	}
	switch kind {
	case "rc4-40":
		key = rc4Key(5, 2)
		enc = fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /O <%x> /U <%x> /P %d >>", o, rc4Bytes(key, padding), p)
	case "rc4-128":
		key = rc4Key(16, 3)
		enc = fmt.Sprintf("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <%x> /U <%x> /P %d >>", o, userR3(key), p)
	case "aesv2":
		key, aesv = rc4Key(16, 4), 2
		enc = fmt.Sprintf("<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF /O <%x> /U <%x> /P %d >>", o, userR3(key), p)
	case "aesv3":
		key, aesv = bytes.Repeat([]byte{0x42}, 32), 3
		vsalt, ksalt := []byte("valsalt!"), []byte("keysalt!")
		u := append(append(pdfHash(6, []byte(pw), vsalt, nil), vsalt...), ksalt...)
		block, _ := aes.NewCipher(pdfHash(6, []byte(pw), ksalt, nil))
		ue := make([]byte, 32)
		cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(ue, key)
		enc = fmt.Sprintf("<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF /O <%x> /U <%x> /OE <%x> /UE <%x> /P %d /Perms <%x> >>",
			bytes.Repeat([]byte{1}, 48), u, bytes.Repeat([]byte{2}, 32), ue, p, bytes.Repeat([]byte{3}, 16))
	default:
		t.Fatalf("kind %q", kind)
	}
	objKey := key // Algorithm 1; AESV3 uses the file key as is
	if aesv != 3 {
		h := md5.New()
		h.Write(key)
		h.Write([]byte{5, 0, 0, byte(gen), byte(gen >> 8)})
		if aesv == 2 {
			h.Write([]byte("sAlT"))
		}
		objKey = h.Sum(nil)[:min(len(key)+5, 16)]
	}
	body := []byte("BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET")
	var sealed []byte
	if aesv == 0 {
		sealed = rc4Bytes(objKey, body)
	} else {
		n := 16 - len(body)%16
		plain := append(body, bytes.Repeat([]byte{byte(n)}, n)...)
		iv := make([]byte, 16)
		rand.Read(iv)
		block, _ := aes.NewCipher(objKey)
		sealed = make([]byte, len(plain))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(sealed, plain)
		sealed = append(iv, sealed...)
	}
	objs := onePage(helvetica, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(sealed), sealed))
	objs = append(objs, enc)
	data := buildPDF(objs, fmt.Sprintf("<< /Size 7 /Root 1 0 R /Encrypt 6 0 R /ID [<%x> <%x>] >>", id, id))
	if gen != 0 {
		g := fmt.Sprint(gen)
		data = bytes.Replace(data, []byte("\n5 0 obj"), []byte("\n5 "+g+" obj"), 1)
		data = bytes.Replace(data, []byte("/Contents 5 0 R"), []byte("/Contents 5 "+g+" R"), 1)
	}
	return data
}

// TestPDFEncryptedEmptyPassword: owner-only encrypted PDFs (empty user
// password) are read with each cipher, an object of generation 2
// included; a PDF that needs a user password is still refused.
func TestPDFEncryptedEmptyPassword(t *testing.T) {
	for _, kind := range []string{"rc4-40", "rc4-128", "aesv2", "aesv3"} {
		for _, gen := range []int{0, 2} {
			data := encrypted(t, kind, "", gen, "Quarterly figures")
			if got := extractPDF(t, data); got.Text != "Quarterly figures" {
				t.Errorf("%s gen %d: %q", kind, gen, got.Text)
			}
		}
		_, err := ExtractText(encrypted(t, kind, "secret", 0, "hidden"), PDF, DocLimits{})
		if ReasonOf(err) != Encrypted || !strings.Contains(err.Error(), "password") {
			t.Errorf("%s with a user password: %v, want the encrypted refusal", kind, err)
		}
	}
}
