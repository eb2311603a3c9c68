// xacme-client runs golang.org/x/crypto/acme (the ACME client under Go's autocert and
// cert-manager's ACME issuer) through one order against an ACME server and prints one JSON
// line: register, order, answer http-01 (its own server) or dns-01 (TXT records on a challenge
// test server's management API), finalize with a fresh P-256 key, fetch the chain.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
)

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "xacme-client: %s: %v\n", what, err)
		os.Exit(1)
	}
}

func post(api, path string, body map[string]string) error {
	b, _ := json.Marshal(body)
	r, err := http.Post(api+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, r.StatusCode)
	}
	return nil
}

func main() {
	server := flag.String("server", "", "ACME directory URL")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server's HTTPS certificate")
	domains := flag.String("domains", "", "comma-separated names")
	chal := flag.String("challenge", "http-01", "http-01 or dns-01")
	port := flag.String("port", "", "port of the http-01 responder")
	dnsAPI := flag.String("dns-api", "", "challenge test server management URL (dns-01)")
	out := flag.String("out", "", "file to write the chain (PEM) to")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pool := x509.NewCertPool()
	if *caFile != "" {
		ca, err := os.ReadFile(*caFile)
		must(err, "CA file")
		pool.AppendCertsFromPEM(ca)
	}
	accountKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err, "account key")
	client := &acme.Client{
		Key:          accountKey,
		DirectoryURL: *server,
		UserAgent:    "certctl-conformance-xacme",
		HTTPClient:   &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
	acct, err := client.Register(ctx, &acme.Account{Contact: []string{"mailto:conformance@example.com"}}, acme.AcceptTOS)
	must(err, "register")

	names := strings.Split(*domains, ",")
	order, err := client.AuthorizeOrder(ctx, acme.DomainIDs(names...))
	must(err, "new order")

	tokens := map[string]string{}
	if *chal == "http-01" {
		ln, err := net.Listen("tcp", "127.0.0.1:"+*port)
		must(err, "http-01 listener")
		defer ln.Close()
		go func() {
			_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if v, ok := tokens[r.URL.Path]; ok {
					_, _ = w.Write([]byte(v))
					return
				}
				http.NotFound(w, r)
			}))
		}()
	}
	for _, u := range order.AuthzURLs {
		z, err := client.GetAuthorization(ctx, u)
		must(err, "authorization")
		if z.Status == acme.StatusValid {
			continue
		}
		var c *acme.Challenge
		for _, ch := range z.Challenges {
			if ch.Type == *chal {
				c = ch
			}
		}
		if c == nil {
			must(fmt.Errorf("no %s challenge for %s", *chal, z.Identifier.Value), "challenge")
		}
		switch *chal {
		case "http-01":
			v, err := client.HTTP01ChallengeResponse(c.Token)
			must(err, "key authorization")
			tokens[client.HTTP01ChallengePath(c.Token)] = v
		case "dns-01":
			v, err := client.DNS01ChallengeRecord(c.Token)
			must(err, "dns-01 record")
			must(post(*dnsAPI, "/set-txt", map[string]string{"host": "_acme-challenge." + z.Identifier.Value + ".", "value": v}), "set-txt")
		}
		_, err = client.Accept(ctx, c)
		must(err, "accept")
		_, err = client.WaitAuthorization(ctx, z.URI)
		must(err, "authorization "+z.Identifier.Value)
	}
	order, err = client.WaitOrder(ctx, order.URI)
	must(err, "order ready")

	certKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err, "certificate key")
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: names}, certKey)
	must(err, "CSR")
	der, certURL, err := client.CreateCertFromOrder(ctx, order, csr, true)
	must(err, "finalize")
	// Fetch it again by its URL, as a client that lost it would.
	again, err := client.FetchCert(ctx, certURL, true)
	must(err, "fetch")
	if len(again) != len(der) || !bytes.Equal(again[0], der[0]) {
		must(fmt.Errorf("the certificate fetched again differs"), "fetch")
	}
	leaf, err := x509.ParseCertificate(der[0])
	must(err, "parse")
	var chain bytes.Buffer
	for _, b := range der {
		_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: b})
	}
	if *out != "" {
		must(os.WriteFile(*out, chain.Bytes(), 0o600), "write chain")
	}
	line, _ := json.Marshal(map[string]any{
		"account": acct.URI, "order": order.URI, "certificate_url": certURL,
		"serial": fmt.Sprintf("%x", leaf.SerialNumber), "dns_names": leaf.DNSNames, "chain_length": len(der),
	})
	fmt.Println(string(line))
}
