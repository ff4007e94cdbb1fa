package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// pdfFile is a one-page PDF whose page shows text and draws what
// drawing names, with a trailer of its own when trailer is set.
func pdfFile(text, draw, trailer string) []byte {
	content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET %s", text, draw)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> /XObject << /Im 6 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	for i, o := range objs {
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	if trailer == "" {
		trailer = "<< /Size 7 /Root 1 0 R >>"
	}
	b.WriteString("trailer\n" + trailer + "\n%%EOF\n")
	return []byte(b.String())
}

// TestPDFAttachments: a PDF's text reaches the model; an encrypted PDF
// and a scanned one (an image, no text) each get their own notice line.
func TestPDFAttachments(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	m := mention("1", "summarise the report")
	m.Attachments = []bots.Attachment{
		bots.ReadFile("report.pdf", pdfFile("Latency rose to 900 ms after the deploy.", "", ""), bots.FileLimits{}),
		bots.ReadFile("secret.pdf", pdfFile("hidden", "", "<< /Size 7 /Root 1 0 R /Encrypt << /Filter /Standard >> >>"), bots.FileLimits{}),
		bots.ReadFile("scan.pdf", pdfFile("", "q /Im Do Q", ""), bots.FileLimits{}),
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	final := h.conv.wait(t, 1)[0].Final()
	body := string(h.request(t, 0).Body)
	if !strings.Contains(body, "Latency rose to 900 ms after the deploy.") || strings.Contains(body, "hidden") {
		t.Fatalf("request body: %s", body)
	}
	for _, n := range []string{i18n.T("en", i18n.FileEncrypted, "secret.pdf"), i18n.T("en", i18n.FileNoText, "scan.pdf")} {
		if strings.Count(final, n) != 1 {
			t.Errorf("final %q lacks notice %q once", final, n)
		}
	}
}
