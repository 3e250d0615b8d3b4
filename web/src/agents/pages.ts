// The agents pages and the MCP servers page, loaded together (one chunk) when one of them is first opened:
// moving between an agent, its editor and its runs then never waits for code.
export { AgentEditorPage } from './AgentEditor.tsx';
export { AgentPage } from './AgentPage.tsx';
export { AgentsPage } from './AgentsPage.tsx';
export { RunPage } from './RunPage.tsx';
export { McpServersPage } from '../mcp/McpServersPage.tsx';
