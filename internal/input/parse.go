package input

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Parse is Check that keeps what it parsed: the documents of data, each
// refused on the same terms and with the same errors as Check, so that a
// caller parses its input once. The nodes keep their aliases unexpanded.
func Parse(data []byte) ([]*yamlv3.Node, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("input is not valid UTF-8")
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	var docs []*yamlv3.Node
	for {
		doc := &yamlv3.Node{}
		if err := dec.Decode(doc); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return nil, err
		}
		if err := checkDocument(doc); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
}
