package media

// pdfText is PDF text extraction; see the package note in the README on
// why PDFs are refused for now.
func pdfText(_ []byte, _ DocLimits) (string, error) {
	return "", refuse(Unsupported, "PDF text extraction is not available")
}
