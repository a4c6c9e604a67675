//go:build tools

// Package tools pins the Pulumi YAML language host (pulumi-language-yaml) that `npm run toolchain`
// builds: `go build github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml` from this module.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
