package values

import "testing"

// TestUnknownField: the hint for each kind of unknown key.
func TestUnknownField(t *testing.T) {
	for _, tt := range []struct {
		tokens []string
		key    string
		want   string
	}{
		{[]string{"gpu"}, "timeslicing", `unknown field "timeslicing": did you mean "timeSlicing"?`},
		{nil, "kasmAPI", `unknown field "kasmAPI": did you mean "kasmApi"?`},
		{[]string{"gpu", "timeSlicing"}, "nodePools", `unknown field "nodePools" here, but a field one level up: is it indented too far?`},
		{[]string{"gpu"}, "replicas", `unknown field "replicas" here, but a field of timeSlicing: is it indented too little?`},
		{[]string{"vdi", "templates", "0", "storage"}, "sizeLimit", `unknown field "sizeLimit" (a typo here would silently switch a feature off); the fields here are maxSize, mountPath, size`},
	} {
		if got := unknownField(tt.tokens, tt.key); got != tt.want {
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
