package mcp

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"mistralbot/bots/tools"
)

// output turns a tool's result into text for the model: text content as
// is, embedded text resources with their URI, links and binary content
// as a one-line mention (the model reads text only here), structured
// content as JSON when there is no other content.
func output(res *sdk.CallToolResult) tools.Output {
	var b strings.Builder
	var sources []string
	sep := func() {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
	}
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			sep()
			b.WriteString(c.Text)
		case *sdk.EmbeddedResource:
			if c.Resource == nil {
				continue
			}
			sep()
			if c.Resource.Text != "" {
				fmt.Fprintf(&b, "[%s]\n%s", c.Resource.URI, c.Resource.Text)
			} else {
				fmt.Fprintf(&b, "[%s: %d bytes of %s, not shown]", c.Resource.URI, len(c.Resource.Blob), orUnknown(c.Resource.MIMEType))
			}
			sources = append(sources, c.Resource.URI)
		case *sdk.ResourceLink:
			sep()
			fmt.Fprintf(&b, "[link %s: %s]", c.URI, c.Name)
			sources = append(sources, c.URI)
		case *sdk.ImageContent:
			sep()
			fmt.Fprintf(&b, "[image, %s, not shown]", orUnknown(c.MIMEType))
		case *sdk.AudioContent:
			sep()
			fmt.Fprintf(&b, "[audio, %s, not shown]", orUnknown(c.MIMEType))
		}
	}
	if b.Len() == 0 && res.StructuredContent != nil {
		if data, err := json.Marshal(res.StructuredContent); err == nil {
			b.Write(data)
		}
	}
	return tools.Output{Text: b.String(), IsError: res.IsError, Sources: sources}
}

func orUnknown(mime string) string {
	if mime == "" {
		return "unknown type"
	}
	return mime
}
