package engine_test

import (
	"context"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// withOCR enables OCR over the harness's own client (the Mistral fake).
func withOCR(opts llmcompleter.OCROptions) func(*engine.Options) {
	return func(o *engine.Options) {
		o.OCR = llmcompleter.NewOCR(o.LLM.(*llmcompleter.Client).LLM(), opts)
	}
}

// scanQuestion is a mention with a scanned PDF (an image, no text).
func scanQuestion() bots.Message {
	m := mention("1", "what does the invoice say?")
	m.Attachments = []bots.Attachment{bots.ReadFile("scan.pdf", pdfFile("", "q /Im Do Q", ""), bots.FileLimits{KeepScans: true})}
	return m
}

func askScan(t *testing.T, h *harness) (final, body string) {
	t.Helper()
	if _, err := h.eng.Dispatch(context.Background(), h.conv, scanQuestion()); err != nil {
		t.Fatal(err)
	}
	final = h.conv.wait(t, 1)[0].Final()
	chats := h.srv.ChatRequests()
	if len(chats) != 1 {
		t.Fatalf("%d chat requests, want 1 (the answer is given whatever OCR did)", len(chats))
	}
	return final, string(chats[0].Body)
}

// TestOCRReadsAScannedPDF: with OCR on, the scanned PDF's pages reach the
// model's prompt, no no-text notice is given, at most MaxPages pages are
// asked for (and the cap said), and the pages' cost joins the asker's
// usage.
func TestOCRReadsAScannedPDF(t *testing.T) {
	h := newHarness(t, harnessOptions{
		server: llmtest.Options{Dialect: llmtest.Mistral, OCRPages: []string{"Invoice 42: total 99 EUR", "Page two", "Page three"}},
		engine: withOCR(llmcompleter.OCROptions{MaxPages: 2}),
	})
	final, body := askScan(t, h)
	if !strings.Contains(body, "Invoice 42: total 99 EUR") || !strings.Contains(body, "Page two") || strings.Contains(body, "Page three") {
		t.Fatalf("request body lacks the OCR text of the first two pages: %s", body)
	}
	if strings.Contains(final, i18n.T("en", i18n.FileNoText, "scan.pdf")) {
		t.Errorf("final %q still says the file has no text", final)
	}
	if n := i18n.T("en", i18n.FileOCRCapped, "scan.pdf", 2); !strings.Contains(final, n) {
		t.Errorf("final %q lacks the cap notice %q", final, n)
	}
	ocr := h.srv.OCRRequests()
	if len(ocr) != 1 || !strings.Contains(string(ocr[0].Body), `"pages":[0,1]`) {
		t.Fatalf("OCR requests: %d %v", len(ocr), ocr)
	}
	m := scanQuestion()
	totals, err := h.store.Usage(context.Background(), bots.ScopeUser, bots.UserID(m.Key.Platform, m.UserID), bots.Day(h.clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * llm.OCRUSDPer1000Pages / 1000; totals.CostUSD < want || totals.Requests != 1 {
		t.Fatalf("usage %+v, want one request costing at least the OCR's %v", totals, want)
	}
}

// TestOCRDisabledKeepsTheNotice: without OCR the scanned PDF gets the
// no-text notice as before, and nothing is sent to the OCR API.
func TestOCRDisabledKeepsTheNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.Mistral}})
	final, _ := askScan(t, h)
	n := i18n.T("en", i18n.FileNoText, "scan.pdf")
	if !strings.Contains(final, n) || strings.Contains(final, "OCR") {
		t.Fatalf("final %q, want the plain notice %q", final, n)
	}
	if len(h.srv.OCRRequests()) != 0 {
		t.Fatal("OCR asked while disabled")
	}
}

// TestOCRFailureKeepsTheAnswer: a 429 or a 500 of the OCR API gives the
// no-text notice with the reason, and the answer is still given.
func TestOCRFailureKeepsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{{429, "rate_limited"}, {500, "unavailable"}, {401, "unauthorized"}} {
		h := newHarness(t, harnessOptions{
			server: llmtest.Options{Dialect: llmtest.Mistral, Default: llmtest.Scenario{Reply: "The answer."}},
			engine: withOCR(llmcompleter.OCROptions{MaxPages: 20}),
		})
		h.srv.ScriptOCR(llmtest.OCRScenario{Status: tc.status, RetryAfter: "1"})
		final, _ := askScan(t, h)
		key := i18n.OCRBusy
		if tc.status == 401 {
			key = i18n.OCRRefused
		}
		n := i18n.T("en", i18n.FileNoText, "scan.pdf") + " " + i18n.T("en", key, tc.code)
		if !strings.Contains(final, "The answer.") || strings.Count(final, n) != 1 {
			t.Errorf("%d: final %q, want the answer and %q", tc.status, final, n)
		}
	}
}
