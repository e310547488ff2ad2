package values

import "testing"

// TestUnknownField: the hint for each kind of unknown key.
func TestUnknownField(t *testing.T) {
	for _, tt := range []struct {
		tokens     []string
		key, above string
		want       string
	}{
		{[]string{"gpu"}, "timeslicing", "", `unknown field "timeslicing": did you mean "timeSlicing"?`},
		{nil, "kasmAPI", "", `unknown field "kasmAPI": did you mean "kasmApi"?`},
		{[]string{"gpu", "timeSlicing"}, "nodePools", "", `unknown field "nodePools" here, but a field one level up: is it indented too far?`},
		{[]string{"gpu"}, "replicas", "", `unknown field "replicas" here, but a field of timeSlicing: is it indented too little?`},
		// Several blocks take resources; the one just above lost it.
		{nil, "resources", "kasmApi", `unknown field "resources" here, but a field of kasmApi, just above: is it indented too little?`},
		{nil, "resources", "global", `unknown field "resources" here, but a field of ingress: is it indented too little?`},
		{[]string{"vdi", "templates", "0", "storage"}, "sizeLimit", "", `unknown field "sizeLimit" (a typo here would silently switch a feature off); the fields here are maxSize, mountPath, size`},
	} {
		if got := unknownField(tt.tokens, tt.key, tt.above); got != tt.want {
			t.Errorf("%v %s:\n got %s\nwant %s", tt.tokens, tt.key, got, tt.want)
		}
	}
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"tls", "tlss", 1}, {"same", "same", 0}} {
		if got := distance(tt.a, tt.b); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
