// Stands in for @modelcontextprotocol/sdk's validation/ajv-provider.js in the bundled binary.
// The SDK's Server builds an Ajv instance at construction only to check the answers of
// elicitation requests, which this server never sends; Ajv, its formats and fast-uri are
// a sixth of the bundle and several milliseconds of every start-up. A validator asked for
// anyway says plainly that it is not there.
export class AjvJsonSchemaValidator {
  getValidator() {
    return () => ({
      valid: false,
      data: undefined,
      errorMessage: "JSON Schema validation is not part of the llm-cli-gateway binary"
    })
  }
}
