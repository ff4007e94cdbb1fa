package main

import (
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestCheckOCR: OCR with OpenRouter is a config error check reports with
// its key; with Mistral check says OCR is on and its cap.
func TestCheckOCR(t *testing.T) {
	code, out, errOut := runCmd(t, map[string]string{"OPENROUTER_API_KEY": "sk-or-good", "MISTRALBOT_STORE_DRIVER": "memory",
		"MISTRALBOT_BOT_PDF_OCR": "true"}, "", "--config", noFile(t), "check")
	if code == 0 || !strings.Contains(out+errOut, "bot.pdf_ocr: needs llm.provider mistral") {
		t.Fatalf("OCR with openrouter: code %d\n%s\n%s", code, out, errOut)
	}
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.Mistral, APIKey: "zz-good-key-42"})
	defer srv.Close()
	code, out, errOut = runCmd(t, map[string]string{"MISTRAL_API_KEY": "zz-good-key-42", "MISTRALBOT_LLM_PROVIDER": "mistral",
		"MISTRALBOT_LLM_BASE_URL": srv.URL(), "MISTRALBOT_STORE_DRIVER": "memory",
		"MISTRALBOT_BOT_PDF_OCR": "true", "MISTRALBOT_BOT_PDF_OCR_MAX_PAGES": "5"}, "", "--config", noFile(t), "check")
	if !strings.Contains(out, "bot.pdf_ocr: scanned PDFs read with mistral-ocr-latest, at most 5 pages each") {
		t.Fatalf("OCR with mistral: code %d\n%s\n%s", code, out, errOut)
	}
}
