// Command keydriver runs Apptainer's own key client (Debian's golang-github-apptainer-container-key-client-dev) and
// the SIF signing code (golang-github-sylabs-sif-dev) against a registry, doing what `singularity key push/search/pull`,
// `singularity sign` and `singularity verify` do.
//
// Usage: keydriver -url URL [-token T] COMMAND ARGS
//
//	push FILE [-raw]     push the first key of an armoured keyring file; -raw sends the file's text unchanged
//	search TEXT          key search (op=index, machine-readable, fingerprints), parsed as the CLI does
//	pull FINGERPRINT     key pull: 8 or 40 hex digits; exactly one key must come back
//	lookup SEARCH OP     a raw lookup with exact=on (what signature verification sends)
//	version              the keyserver's version document
//	sign SIF SECRETFILE  sign every object group of SIF with the (unprotected) secret key in SECRETFILE
//	verify SIF           fetch each signer's key from the keyserver by its 64-bit key ID and verify SIF with it
//
// Results are JSON on stdout; failures exit 1 with the client's error on stderr.
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/apptainer/container-key-client/client"
	"github.com/sylabs/sif/v2/pkg/integrity"
	"github.com/sylabs/sif/v2/pkg/sif"
)

func main() {
	baseURL := flag.String("url", "", "keyserver base URL (the discovery document's keystoreAPI)")
	token := flag.String("token", "", "bearer token")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fail(errors.New("usage: keydriver -url URL [-token T] push|search|pull|lookup|version|sign|verify ARGS"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	newClient := func() *client.Client {
		opts := []client.Option{client.OptBaseURL(*baseURL), client.OptUserAgent("sregistry-e2e-keydriver")}
		if *token != "" {
			opts = append(opts, client.OptBearerToken(*token))
		}
		c, err := client.NewClient(opts...)
		if err != nil {
			fail(err)
		}
		return c
	}

	switch args[0] {
	case "push":
		push(ctx, newClient(), args[1:])
	case "search":
		need(args, 2)
		search(ctx, newClient(), args[1])
	case "pull":
		need(args, 2)
		pull(ctx, newClient(), args[1])
	case "lookup":
		need(args, 3)
		text, err := newClient().PKSLookup(ctx, nil, args[1], args[2], false, true, nil)
		if err != nil {
			fail(err)
		}
		emit(map[string]string{"text": text})
	case "version":
		v, err := newClient().GetVersion(ctx)
		if err != nil {
			fail(err)
		}
		emit(map[string]string{"version": v})
	case "sign":
		need(args, 3)
		sign(args[1], args[2])
	case "verify":
		need(args, 2)
		verify(ctx, newClient(), args[1])
	default:
		fail(fmt.Errorf("unknown command %q", args[0]))
	}
}

func push(ctx context.Context, c *client.Client, args []string) {
	raw := len(args) == 2 && args[1] == "-raw"
	if len(args) < 1 || (len(args) == 2 && !raw) || len(args) > 2 {
		fail(errors.New("push FILE [-raw]"))
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fail(err)
	}
	keyText := string(data)
	fingerprint := ""
	if !raw {
		// As the CLI does: read the keyring, take the key, and armour it afresh.
		entities, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil {
			fail(err)
		}
		e := entities[0]
		fingerprint = fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
		var buf bytes.Buffer
		w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
		if err != nil {
			fail(err)
		}
		if err := e.Serialize(w); err != nil {
			fail(err)
		}
		w.Close()
		keyText = buf.String()
	}
	if err := c.PKSAdd(ctx, keyText); err != nil {
		fail(err)
	}
	emit(map[string]string{"fingerprint": fingerprint, "pushed": keyText})
}

type indexedKey struct {
	ID        string   `json:"id"`
	Algorithm string   `json:"algorithm"`
	Bits      string   `json:"bits"`
	Created   string   `json:"created"`
	Expires   string   `json:"expires"`
	Flags     string   `json:"flags"`
	UserIDs   []string `json:"uids"`
}

// search sends what `key search` sends and reads the answer the way the CLI reads it: the info count must match.
func search(ctx context.Context, c *client.Client, text string) {
	if regexp.MustCompile(`^[0-9A-F]{8,}$`).MatchString(text) {
		text = "0x" + text
	}
	page := client.PageDetails{Size: 256}
	body, err := c.PKSLookup(ctx, &page, text, client.OperationIndex, true, false, []string{client.OptionMachineReadable})
	if err != nil {
		fail(err)
	}
	announced := -1
	var keys []*indexedKey
	for _, line := range strings.Split(body, "\n") {
		fields := strings.Split(strings.TrimSpace(line), ":")
		for len(fields) < 7 {
			fields = append(fields, "")
		}
		switch fields[0] {
		case "info":
			n, err := strconv.Atoi(fields[2])
			if err != nil {
				fail(fmt.Errorf("bad info line %q", line))
			}
			announced = n
		case "pub":
			keys = append(keys, &indexedKey{ID: fields[1], Algorithm: fields[2], Bits: fields[3], Created: fields[4], Expires: fields[5], Flags: fields[6]})
		case "uid":
			if len(keys) == 0 {
				fail(errors.New("uid line before any pub line"))
			}
			name, err := url.QueryUnescape(fields[1])
			if err != nil {
				fail(fmt.Errorf("uid %q does not unescape: %v", fields[1], err))
			}
			keys[len(keys)-1].UserIDs = append(keys[len(keys)-1].UserIDs, name)
		}
	}
	if announced > 0 && announced != len(keys) {
		fail(fmt.Errorf("info announced %d keys, %d pub lines followed", announced, len(keys)))
	}
	emit(map[string]interface{}{"count": len(keys), "keys": keys, "raw": body, "nextPage": page.Token})
}

// pull does what `key pull` does: the fingerprint's bytes, op=get, and exactly one key back.
func pull(ctx context.Context, c *client.Client, fingerprint string) {
	fp, err := hex.DecodeString(fingerprint)
	if err != nil {
		fail(err)
	}
	if len(fp) != 4 && len(fp) != 20 {
		fail(errors.New("only 8 or 40 hex digits"))
	}
	text, err := c.GetKey(ctx, fp)
	if err != nil {
		fail(err)
	}
	entities, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text))
	if err != nil {
		fail(err)
	}
	if len(entities) != 1 {
		fail(fmt.Errorf("server returned %d keys for one fingerprint", len(entities)))
	}
	emit(map[string]string{"fingerprint": fmt.Sprintf("%X", entities[0].PrimaryKey.Fingerprint), "text": text})
}

func sign(path, secretFile string) {
	data, err := os.ReadFile(secretFile)
	if err != nil {
		fail(err)
	}
	entities, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	if err != nil {
		fail(err)
	}
	f, err := sif.LoadContainerFromPath(path)
	if err != nil {
		fail(err)
	}
	signer, err := integrity.NewSigner(f, integrity.OptSignWithEntity(entities[0]))
	if err != nil {
		f.UnloadContainer()
		fail(err)
	}
	if err := signer.Sign(); err != nil {
		f.UnloadContainer()
		fail(err)
	}
	if err := f.UnloadContainer(); err != nil {
		fail(err)
	}
	emit(map[string]string{"signedBy": fmt.Sprintf("%X", entities[0].PrimaryKey.Fingerprint)})
}

// verify finds the keys the way signature verification does: by 64-bit key ID, formatted as a number (leading zeros
// dropped), op=get with exact=on.
func verify(ctx context.Context, c *client.Client, path string) {
	f, err := sif.LoadContainerFromPath(path, sif.OptLoadWithFlag(os.O_RDONLY))
	if err != nil {
		fail(err)
	}
	defer f.UnloadContainer()
	v, err := integrity.NewVerifier(f)
	if err != nil {
		fail(err)
	}
	signers, err := v.AnySignedBy()
	if err != nil {
		fail(err)
	}
	var ring openpgp.EntityList
	var names []string
	for _, fp := range signers {
		keyID := uint64(0)
		for _, b := range fp[len(fp)-8:] {
			keyID = keyID<<8 | uint64(b)
		}
		text, err := c.PKSLookup(ctx, nil, fmt.Sprintf("%#x", keyID), client.OperationGet, false, true, nil)
		if err != nil {
			fail(fmt.Errorf("key %X: %w", fp, err))
		}
		entities, err := openpgp.ReadArmoredKeyRing(strings.NewReader(text))
		if err != nil {
			fail(err)
		}
		ring = append(ring, entities...)
		for _, e := range entities {
			for name := range e.Identities {
				names = append(names, name)
			}
		}
	}
	checked, err := integrity.NewVerifier(f, integrity.OptVerifyWithKeyRing(ring))
	if err != nil {
		fail(err)
	}
	if err := checked.Verify(); err != nil {
		fail(err)
	}
	fps := make([]string, len(signers))
	for i, fp := range signers {
		fps[i] = fmt.Sprintf("%X", fp)
	}
	emit(map[string]interface{}{"verified": true, "signers": fps, "names": names})
}

func need(args []string, n int) {
	if len(args) != n {
		fail(fmt.Errorf("%s: want %d arguments, got %d", args[0], n-1, len(args)-1))
	}
}

func emit(v interface{}) {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
