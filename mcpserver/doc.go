// Package mcpserver serves the directory to AI assistants over the Model
// Context Protocol (MCP), with the official Go SDK
// (github.com/modelcontextprotocol/go-sdk): tools to find peers, search
// actors by name or official code, read an actor or a tool, list the actors
// of an area, and propose a change; resources for the themes and the tool
// catalogue. The same server runs over Streamable HTTP (mounted at /mcp by
// the web layer) and over stdio (the `voisinage mcp` command).
//
// Read-only tools answer from the directory's read model; propose_change
// goes through Directory.ProposeEdit, the call behind POST /api/proposals,
// as the owner of a bearer API token.
//
// It imports directory (and, through it, geo) and the MCP SDK; cmd imports
// it, and hands its HTTP handler to web, which never imports it.
package mcpserver
